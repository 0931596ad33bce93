"""The Textual wizard: the only part of backend-agent that imports textual."""
