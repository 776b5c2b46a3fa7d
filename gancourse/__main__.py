import sys

from gancourse.cli import main

sys.exit(main())
