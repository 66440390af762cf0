import pytest

from podsift.tasks.core.timefmt import format_clock


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0:00"),
        (12.7, "0:12"),
        (59.999, "0:59"),
        (60, "1:00"),
        (605, "10:05"),
        (3599.9, "59:59"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
        (36000 + 61, "10:01:01"),
        (-3, "0:00"),
        (float("nan"), "0:00"),
        (float("inf"), "0:00"),
    ],
)
def test_format_clock(seconds: float, expected: str) -> None:
    assert format_clock(seconds) == expected
