"""Pages of the 基础设施 app."""
