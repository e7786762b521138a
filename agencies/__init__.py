"""Partner-agency plug-ins (信访+X).

Each plug-in module defines a subclass of ``AgencyPlugin`` and registers it with
``registry.register``.  The hub loads the modules named in its configuration
(``HUB_AGENCY_PLUGINS``) and talks to plug-ins only through the registry.
"""
