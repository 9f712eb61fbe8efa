"""Screens of the chat app: the conversation, the reader, help and modal prompts."""
