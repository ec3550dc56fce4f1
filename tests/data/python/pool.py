"""multiprocessing.Pool(2) over CPU work."""
import multiprocessing


def work(n):
    return sum(i * i for i in range(n))


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(sum(pool.map(work, [3_000_000] * 4)))
