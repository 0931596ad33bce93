"""Core models shared by every part: they import nothing else of ours."""
