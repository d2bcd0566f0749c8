"""The course of treatment at the console: course view, assessment, follow-up, patient search."""
