"""Interactive widgets (core ipywidgets only: works with ipywidgets 7.6+ and 8, Colab included).

Every widget is plain, testable functions plus a thin ipywidgets layer. Each widget
module adds its public names below.
"""
