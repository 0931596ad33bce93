"""Our branch and worktree in the user's repository, and the rules for writing there."""
