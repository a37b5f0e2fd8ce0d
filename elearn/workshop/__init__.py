"""Workshop mode, for facilitators: the room votes from its phones and the majority moves the story on.

``rules`` holds the voting rules (majority, ties, letters), ``review`` the room's debrief and its
comparison with self-paced learners, ``report`` the CSV and HTML summaries. Rooms themselves are
stored by ``elearn.store.rooms``; nothing here imports the store.
"""
