"""Video archives through the pose services' own video job on Ray Data (``har batch``)."""
