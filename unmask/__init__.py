"""unmask: tell real faces from deepfakes and live faces from presentation attacks, on a plain CPU.

Data flows one way: :mod:`unmask.media` (decode) -> :mod:`unmask.faces` (detect, landmarks, align, track) ->
:mod:`unmask.models` (score crops) -> :mod:`unmask.verdict` (scan, decide), whose results render themselves with
:mod:`unmask.report` (drawn from plain data, below verdict); beside it, :mod:`unmask.forge` and
:mod:`unmask.train` make the models, :mod:`unmask.evaluate` measures them and :mod:`unmask.server` serves scans
over HTTP.
"""

__version__ = "0.2.0"
