"""Reading, chunking, embedding and storing speeches. Knows nothing of any UI."""
