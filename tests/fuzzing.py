"""Byte mutations for the fuzz tests (tests/media/test_fuzz.py, tests/server/test_fuzz_upload.py)."""

from __future__ import annotations

from hypothesis import strategies as st


def mutate(
    draw: st.DrawFn,
    data: bytes,
    *,
    rounds: int,
    inserts: st.SearchStrategy[bytes],
    repeat: tuple[int, int],
    drop: int,
    edge_bytes: tuple[int, ...] = (),
) -> bytes:
    """``data`` after 1 to ``rounds`` mutations, each at a random place: a bit flipped, a byte set to one of
    ``edge_bytes`` (when given), a run drawn from ``inserts`` inserted, a run of at most ``repeat[0]`` bytes
    repeated up to ``repeat[1]`` times, at most ``drop`` bytes dropped, or the tail cut off."""
    buffer = bytearray(data)
    actions = ["flip", *(["set"] if edge_bytes else []), "insert", "repeat", "drop", "cut"]
    for _ in range(draw(st.integers(1, rounds))):
        if not buffer:
            break
        where = draw(st.integers(0, len(buffer) - 1))
        action = draw(st.sampled_from(actions))
        if action == "flip":
            buffer[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            buffer[where] = draw(st.sampled_from(edge_bytes))
        elif action == "insert":
            buffer[where:where] = draw(inserts)
        elif action == "repeat":
            buffer[where:where] = buffer[where : where + draw(st.integers(1, repeat[0]))] * draw(
                st.integers(1, repeat[1])
            )
        elif action == "drop":
            del buffer[where : where + draw(st.integers(1, drop))]
        else:
            del buffer[where:]
    return bytes(buffer)
