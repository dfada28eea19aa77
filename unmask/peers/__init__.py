"""Peer detectors, run side by side with unmask for comparison; their weights are not shipped with unmask."""
