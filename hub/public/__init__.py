"""The public portal (网上信访 and 一县一码) and the publication of replied cases."""
