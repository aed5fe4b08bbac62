"""Problem mappings shared by several test modules."""

BURGERS = {
    "domain": {"x": [-1, 1], "t": [0, 1]},
    "fields": ["u"],
    "parameters": {"nu": "0.01/pi"},
    "equations": ["diff(u, t) + u*diff(u, x) = nu*diff(u, x, 2)"],
    "conditions": [{"where": "t = 0", "equation": "u = -sin(pi*x)"},
                   {"where": "x = -1", "dirichlet": 0},
                   {"where": "x = 1", "dirichlet": 0}],
}
