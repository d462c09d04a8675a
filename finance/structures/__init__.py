"""Ways to turn the stock into cash: each route's cash flows and risk split."""
