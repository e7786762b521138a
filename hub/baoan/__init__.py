"""领导包案: leaders personally own important cases and owe the 五包 duties."""
