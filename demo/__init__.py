"""The demo county, on the top floor: it may use every app's services, and no app imports it.

One module per capability writes that capability's demo records through its services (`county`,
`cases`, `open311`, …); `demo.load.STEPS` runs them in order. A new capability adds its module and
its step there.
"""
