"""GAS tooling that no service imports: the `gas` command, the embedded stack, provisioning
and the README's settings table. Services import only `gas_common`."""
