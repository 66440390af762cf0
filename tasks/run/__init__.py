"""One run: which episodes it processes and each episode carried through the stages."""
