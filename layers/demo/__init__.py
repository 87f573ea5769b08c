"""The demo city: 焼津市's real open data plus clearly marked synthetic records."""
