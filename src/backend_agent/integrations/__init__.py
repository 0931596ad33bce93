"""backend-agent inside other coding tools: the agent definition each tool loads, the
skills beside it, and an install that never overwrites what a person changed."""
