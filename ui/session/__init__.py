"""The session side panel: the workflow's pages, the timeline panel, measures, the record worker."""
