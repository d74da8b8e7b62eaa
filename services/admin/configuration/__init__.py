"""Platform configuration: typed, validated settings by section, with an audit trail."""
