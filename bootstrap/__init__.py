"""The composition root: typed settings and the one place that builds every dependency from them."""
