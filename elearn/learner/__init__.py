"""What a learner sees about themselves: the mastery model over their first-attempt evidence,
their journey through the course, the recommended next step and the skill charts.
Built on ``elearn.course``, ``elearn.play`` and the store's records.
"""
