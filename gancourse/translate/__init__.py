"""Image-to-image translation (lessons 09 and 10): networks, trainers, repair baselines,
measures and neural style transfer."""
