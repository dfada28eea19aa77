"""Training the detector (the optional 'train' extra: torch): ``unmask train``."""
