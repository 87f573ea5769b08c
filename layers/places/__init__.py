"""Places people name: the city's 町丁目 (a gazetteer), finding a place by what people type,
and saying where a point is in words."""
