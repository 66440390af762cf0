"""Stage 6, publish: the ad-free feeds, with their audio, WebVTT and chapters."""
