"""Rate limits are written "count/seconds" (settings.RATE_LIMITS). One parser
for the settings, which refuse a bad value at start-up, and the limiter."""


def parse_rate(rate):
    """``"30/600"`` -> (30, 600): at most 30 in any 600-second window.
    Raises ValueError for anything else."""
    count, _, seconds = str(rate).partition("/")
    if not (count.isascii() and count.isdigit() and seconds.isascii() and seconds.isdigit()):
        raise ValueError(f"not count/seconds: {rate!r}")
    if int(seconds) == 0:
        raise ValueError(f"a window of 0 seconds: {rate!r}")
    return int(count), int(seconds)
