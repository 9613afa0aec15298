namespace MLNetDeep.Trainers.Data;

/// <summary>
/// A bounded shuffle for a stream of rows: the first <c>capacity</c> rows fill it, then each new row takes the
/// slot of a randomly chosen one, which leaves for the batch; at the end the rest leave in random order. Rows
/// move at most <c>capacity</c> places early, so it mixes within that window only; memory is the buffer.
/// </summary>
internal sealed class ShuffleBuffer
{
    private readonly float[] _features;
    private readonly float[] _targets;
    private Random _random = new(0);

    public ShuffleBuffer(int capacity, int width)
    {
        Capacity = capacity;
        Width = width;
        _features = new float[(long)capacity * width];
        _targets = new float[capacity];
    }

    public int Capacity { get; }

    public int Width { get; }

    /// <summary>Rows held now.</summary>
    public int Held { get; private set; }

    public bool IsFull => Held == Capacity;

    /// <summary>Empties the buffer for a new epoch whose draws <paramref name="seed"/> fixes; the memory is kept, not allocated again.</summary>
    public void Restart(int seed)
    {
        Held = 0;
        _random = new Random(seed);
    }

    /// <summary>Stores a row in the next free slot; only while not <see cref="IsFull"/>.</summary>
    public void Add(ReadOnlySpan<float> row, float target) => Put(Held++, row, target);

    /// <summary>A random held row's slot: the row that leaves next.</summary>
    public int PickSlot() => _random.Next(Held);

    public ReadOnlySpan<float> Features(int slot) => _features.AsSpan(slot * Width, Width);

    public float Target(int slot) => _targets[slot];

    /// <summary>Puts a new row where the row that just left was.</summary>
    public void Put(int slot, ReadOnlySpan<float> row, float target)
    {
        row.CopyTo(_features.AsSpan(slot * Width, Width));
        _targets[slot] = target;
    }

    /// <summary>Drops the row that just left, moving the last held row into its slot.</summary>
    public void Remove(int slot)
    {
        int last = --Held;
        if (slot != last)
            Put(slot, Features(last), _targets[last]);
    }
}
