"""unmask: tell real faces from deepfakes and live faces from presentation attacks, on a plain CPU.

Data flows one way: :mod:`unmask.media` (decode) -> :mod:`unmask.faces` (detect, landmarks, align, track) ->
models -> verdict -> report.
"""

__version__ = "0.1.0"
