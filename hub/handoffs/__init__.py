"""Cross-agency handoffs (联合梳理交办): 移送 / 交办 / 协办 with sign-for and feedback clocks."""
