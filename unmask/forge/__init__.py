"""Training forgeries made from real faces and the same person only (self-blends, autoencoder
reconstructions, partial composites, whole re-renders; and, as clips, mesh-driven reenactment, lip-sync and whole-face
re-rendering), their masks, and the post-augmentations shared by both classes.

Sits beside the data flow, after :mod:`unmask.faces`: it reads aligned crops and their landmarks and feeds
:mod:`unmask.train`. Nothing here swaps one person's face for another's.
"""

from unmask.forge.animate import (
    ANIMATION_KINDS,
    ClipForgery,
    lipsync_clip,
    make_clip_forgery,
    mesh_warp,
    oneshot_clip,
    reenact_clip,
    rerender_clip,
    write_clip_sheet,
    write_side_by_side,
)
from unmask.forge.augment import low_light, post_augment
from unmask.forge.blend import Forgery, Reconstructor
from unmask.forge.forgeries import (
    KINDS,
    make_forgery,
    partial_composite,
    reconstruction_blend,
    self_blend,
    weights_with,
    whole_rerender,
)

__all__ = [
    "ANIMATION_KINDS",
    "KINDS",
    "ClipForgery",
    "Forgery",
    "Reconstructor",
    "lipsync_clip",
    "low_light",
    "make_clip_forgery",
    "make_forgery",
    "mesh_warp",
    "oneshot_clip",
    "partial_composite",
    "post_augment",
    "reconstruction_blend",
    "reenact_clip",
    "rerender_clip",
    "self_blend",
    "weights_with",
    "whole_rerender",
    "write_clip_sheet",
    "write_side_by_side",
]
