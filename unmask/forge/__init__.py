"""Training forgeries made from real faces and the same person only (self-blends, autoencoder
reconstructions, partial composites), their masks, and the post-augmentations shared by both classes.

Sits beside the data flow, after :mod:`unmask.faces`: it reads aligned crops and their landmarks and feeds
:mod:`unmask.train`. Nothing here swaps one person's face for another's.
"""

from unmask.forge.augment import jpeg, post_augment
from unmask.forge.forgeries import (
    KINDS,
    Forgery,
    Reconstructor,
    make_forgery,
    partial_composite,
    reconstruction_blend,
    self_blend,
)

__all__ = [
    "KINDS",
    "Forgery",
    "Reconstructor",
    "jpeg",
    "make_forgery",
    "partial_composite",
    "post_augment",
    "reconstruction_blend",
    "self_blend",
]
