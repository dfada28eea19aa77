"""Evaluation on labelled media: metrics and the ``unmask eval`` command."""
