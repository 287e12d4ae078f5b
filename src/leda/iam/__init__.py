"""IAM's decisions, offline: the policies the Pulumi program gives each role, applied to every
call a function makes and every trigger the engine creates, refused the way AWS refuses them."""
