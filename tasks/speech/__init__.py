"""Stage 2, speech: Whisper transcription and the publisher's own transcripts."""
