"""Ten asyncio tasks awaiting asyncio.sleep(0.1) at once, three times over."""
import asyncio


async def nap(i):
    for _ in range(3):
        await asyncio.sleep(0.1)
    return i


async def main():
    await asyncio.sleep(0.05)
    await asyncio.gather(*(nap(i) for i in range(10)))


asyncio.run(main())
