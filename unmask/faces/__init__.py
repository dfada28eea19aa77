"""Faces: detection, 468-point landmarks, the alignment/crop contract, and tracking across video frames.

Knows nothing of fakes. ``FaceAnalyzer()(rgb)`` finds faces; ``align_face`` cuts one out under the
:data:`ALIGNMENT` contract that training and inference share; ``FaceTracker`` keeps ids stable in a video;
``track_faces`` is the loop of all three over a stream of frames (``unmask faces`` and the scanner both run it);
``extract_faces`` is the ``unmask faces`` job.
"""

from unmask.faces.align import ALIGNMENT, AlignedFace, CropContract, align_face
from unmask.faces.analyzer import FaceAnalyzer
from unmask.faces.extract import ExtractSummary, extract_faces
from unmask.faces.pipeline import MAX_FACES, FrameFaces, track_faces
from unmask.faces.tracking import FaceTracker
from unmask.faces.types import Face

__all__ = [
    "ALIGNMENT",
    "MAX_FACES",
    "AlignedFace",
    "CropContract",
    "ExtractSummary",
    "Face",
    "FaceAnalyzer",
    "FaceTracker",
    "FrameFaces",
    "align_face",
    "extract_faces",
    "track_faces",
]
