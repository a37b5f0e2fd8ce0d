"""What a training manager and an administrator use: team progress (``dashboard``), its charts,
the HR exports, the people import (``roster``) and the demo data set. Built on the layers below
(course, play, learner, store).
"""
