"""What every app's API router shares: the error shape, common schemas, keyset pagination and the
`GongzhiAPI` class. It sits on the lowest floor so that each app can own its router; `api` assembles them."""
