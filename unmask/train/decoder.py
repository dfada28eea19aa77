"""High-fidelity reconstructions of real face crops through a pretrained image decoder, cached on disk.

A face swap pastes a *decoded* face into a frame. The closest same-person stand-in we can make is the real face
itself, encoded and decoded by a high-fidelity autoencoder and blended back through the mesh masks
(:func:`unmask.forge.reconstruction_blend`): the pair then differs only by the decoder's trace inside the mask,
not by blur or resolution (the 64-px autoencoder of :mod:`unmask.train.autoencoder` differs by both, a shortcut
the detector learns instead of the trace).

The decoder is TAEF2 (madebyollin/taesd, MIT): ``--decoder DIR`` names a folder with its ``taesd.py`` and
``taef2_encoder.pth`` / ``taef2_decoder.pth`` (``../shared/models/taesd``). It is exported once to ONNX in the
cache folder and run with onnxruntime (about twice as fast as torch on a CPU). Reconstructions are PNG files named
by the sha256 of the crop's pixels and the decoder's weights, so a cache is reused across runs and never stale.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from unmask.media import sha256_of

ENCODER_FILE = "taef2_encoder.pth"
DECODER_FILE = "taef2_decoder.pth"
MODEL_FILE = "taesd.py"
BATCH = 4


def _pixels_key(image: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(image).tobytes())
    digest.update(f"{image.shape}".encode())
    return digest.hexdigest()[:24]


class DecoderReconstructor:
    """A :data:`unmask.forge.Reconstructor` that returns a crop's cached TAEF2 reconstruction (same size, RGB uint8).

    :meth:`prepare` computes the missing ones for a list of crops (with a progress bar, resumable: each file is
    written as it is made); a crop that was not prepared is reconstructed on demand and cached too.
    """

    def __init__(
        self, decoder_dir: str | os.PathLike[str], cache_dir: str | os.PathLike[str], threads: int = 0
    ) -> None:
        self.decoder_dir = Path(decoder_dir)
        missing = [name for name in (MODEL_FILE, ENCODER_FILE, DECODER_FILE) if not (self.decoder_dir / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{self.decoder_dir}: no {', '.join(missing)} (a TAEF2 folder, see --decoder)")
        self.weights_key = hashlib.sha256(
            "".join(sha256_of(self.decoder_dir / name) for name in (ENCODER_FILE, DECODER_FILE)).encode()
        ).hexdigest()[:12]
        self.cache_dir = Path(cache_dir) / f"taef2-{self.weights_key}"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.threads = threads
        self._session = None

    @property
    def name(self) -> str:
        return f"taef2-{self.weights_key}"

    def _onnx(self) -> Path:
        path = self.cache_dir / "taef2.onnx"
        if path.is_file():
            return path
        import torch

        spec = importlib.util.spec_from_file_location("taesd_for_unmask", self.decoder_dir / MODEL_FILE)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {self.decoder_dir / MODEL_FILE}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = module.TAESD(str(self.decoder_dir / ENCODER_FILE), str(self.decoder_dir / DECODER_FILE)).eval()

        class RoundTrip(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, images: torch.Tensor) -> torch.Tensor:
                return self.model.decoder(self.model.encoder(images)).clamp(0, 1)

        tmp = path.with_suffix(".tmp")
        torch.onnx.export(
            RoundTrip(),
            (torch.rand(1, 3, 64, 64),),
            str(tmp),
            input_names=["image"],
            output_names=["reconstruction"],
            dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}, "reconstruction": {0: "n", 2: "h", 3: "w"}},
            opset_version=17,
            dynamo=False,
        )
        os.replace(tmp, path)
        return path

    def _run(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        if self._session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.log_severity_level = 3
            if self.threads:
                options.intra_op_num_threads = self.threads
            self._session = ort.InferenceSession(str(self._onnx()), options, providers=["CPUExecutionProvider"])
        height, width = images[0].shape[:2]
        if height % 8 or width % 8:
            raise ValueError(f"crops must be a multiple of 8 pixels on each side, not {width}x{height}")
        batch = np.stack(images).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        (out,) = self._session.run(None, {"image": batch})
        return [np.clip(o.transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8) for o in out]

    def _path(self, image: np.ndarray) -> Path:
        return self.cache_dir / f"{_pixels_key(image)}.png"

    def cached(self, image: np.ndarray) -> bool:
        return self._path(image).is_file()

    def prepare(self, images: Sequence[np.ndarray], progress: bool = True) -> int:
        """Reconstruct every image of ``images`` not yet in the cache; returns how many were made."""
        todo = [image for image in images if not self.cached(image)]
        bar = tqdm(total=len(todo), desc="reconstructing", unit="crop", disable=not progress, dynamic_ncols=True)
        by_shape: dict[tuple[int, ...], list[np.ndarray]] = {}
        for image in todo:
            by_shape.setdefault(image.shape, []).append(image)
        for group in by_shape.values():
            for start in range(0, len(group), BATCH):
                chunk = group[start : start + BATCH]
                for image, out in zip(chunk, self._run(chunk), strict=True):
                    self._store(image, out)
                bar.update(len(chunk))
        bar.close()
        return len(todo)

    def _store(self, image: np.ndarray, out: np.ndarray) -> None:
        path = self._path(image)
        tmp = path.with_name(f".{path.name}.tmp.png")
        cv2.imwrite(str(tmp), cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
        os.replace(tmp, path)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        path = self._path(image)
        stored = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
        if stored is None:
            (out,) = self._run([image])
            self._store(image, out)
            return out
        return cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)
