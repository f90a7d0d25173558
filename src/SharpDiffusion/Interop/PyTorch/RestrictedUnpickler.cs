using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SharpDiffusion.Interop.PyTorch;

/// <summary>A Python global named by a pickle (GLOBAL / STACK_GLOBAL). It is only matched by name, never imported.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A pickle named a Python global outside the allowed set; nothing was imported or called.</summary>
internal sealed class RefusedGlobalException(PickleGlobal global)
    : Exception($"it asks for the Python global {global}, which is outside the set a checkpoint of tensors, numbers and strings needs; nothing from the file was run")
{
    public PickleGlobal Global { get; } = global;
}

/// <summary>A Python dict or OrderedDict as read from a pickle, in insertion order.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _entries = [];

    public IReadOnlyList<KeyValuePair<object, object?>> Entries => _entries;

    public void Set(object key, object? value)
    {
        var index = _entries.FindIndex(pair => Equals(pair.Key, key));
        if (index >= 0)
        {
            _entries[index] = new(key, value);
        }
        else
        {
            _entries.Add(new(key, value));
        }
    }
}

/// <summary>
/// Reads one pickle (protocols 0–4, the binary opcodes of pickletools' table; protocol 2 is what torch.save wrote)
/// into plain .NET values: null, bool, long/BigInteger, double, string, byte[], object?[] (tuple), List&lt;object?&gt;,
/// <see cref="PickleDict"/>. It never runs or imports anything: a GLOBAL becomes a <see cref="PickleGlobal"/> and every
/// REDUCE/NEWOBJ call is handed to <paramref name="call"/>, which decides what (if anything) a name may build; persistent
/// ids (BINPERSID) go to <paramref name="persistentLoad"/>. With <paramref name="allowedGlobals"/>, a GLOBAL naming
/// anything else ("module.name") is refused as soon as it is read (<see cref="RefusedGlobalException"/>). Reads the stream
/// byte by byte up to STOP, so the caller can continue right after the pickle, as torch's legacy format needs.
/// </summary>
internal sealed class RestrictedUnpickler(Stream stream, Func<PickleGlobal, object?[], object?> call, Func<object?, object?> persistentLoad,
    IReadOnlySet<string>? allowedGlobals = null)
{
    private sealed class Mark;

    private static readonly Mark MarkObject = new();

    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];

    public object? Load()
    {
        _stack.Clear();
        _memo.Clear();
        while (true)
        {
            var position = stream.Position;
            var opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    var protocol = ReadByte();
                    if (protocol > 4) throw new InvalidDataException($"pickle protocol {protocol} is newer than torch.save writes (2)");
                    break;
                case 0x95: // FRAME: an 8-byte length prefix, only a read-ahead hint
                    ReadBytes(8);
                    break;
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(':
                    _stack.Add(MarkObject);
                    break;
                case (byte)'0': // POP
                    Pop();
                    break;
                case (byte)'1': // POP_MARK
                    PopToMark();
                    break;
                case (byte)'2': // DUP
                    _stack.Add(Peek());
                    break;
                case (byte)'N':
                    _stack.Add(null);
                    break;
                case 0x88: // NEWTRUE
                    _stack.Add(true);
                    break;
                case 0x89: // NEWFALSE
                    _stack.Add(false);
                    break;
                case (byte)'J': // BININT: int32 little-endian
                    _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)));
                    break;
                case (byte)'K': // BININT1
                    _stack.Add((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2)));
                    break;
                case 0x8a: // LONG1: n bytes of little-endian two's complement
                    _stack.Add(Integer(ReadBytes(ReadByte())));
                    break;
                case 0x8b: // LONG4
                    _stack.Add(Integer(ReadBytes(ReadLength4())));
                    break;
                case (byte)'G': // BINFLOAT: big-endian double
                    _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8)));
                    break;
                case (byte)'X': // BINUNICODE
                    _stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadLength4())));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    _stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadByte())));
                    break;
                case 0x8d: // BINUNICODE8
                    _stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadLength8())));
                    break;
                case (byte)'T': // BINSTRING: a Python 2 str; torch decodes these as ASCII
                    _stack.Add(Encoding.Latin1.GetString(ReadBytes(ReadLength4())));
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    _stack.Add(Encoding.Latin1.GetString(ReadBytes(ReadByte())));
                    break;
                case (byte)'B': // BINBYTES
                    _stack.Add(ReadBytes(ReadLength4()));
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    _stack.Add(ReadBytes(ReadByte()));
                    break;
                case (byte)')': // EMPTY_TUPLE
                    _stack.Add(Array.Empty<object?>());
                    break;
                case (byte)'t': // TUPLE
                    _stack.Add(PopToMark().ToArray());
                    break;
                case 0x85: // TUPLE1
                    _stack.Add(PopTuple(1));
                    break;
                case 0x86: // TUPLE2
                    _stack.Add(PopTuple(2));
                    break;
                case 0x87: // TUPLE3
                    _stack.Add(PopTuple(3));
                    break;
                case (byte)']': // EMPTY_LIST
                    _stack.Add(new List<object?>());
                    break;
                case (byte)'l': // LIST
                    _stack.Add(PopToMark());
                    break;
                case (byte)'a': // APPEND
                    var item = Pop();
                    Target<List<object?>>("APPEND").Add(item);
                    break;
                case (byte)'e': // APPENDS
                    var items = PopToMark();
                    Target<List<object?>>("APPENDS").AddRange(items);
                    break;
                case (byte)'}': // EMPTY_DICT
                    _stack.Add(new PickleDict());
                    break;
                case (byte)'d': // DICT
                    var dict = new PickleDict();
                    SetItems(dict, PopToMark());
                    _stack.Add(dict);
                    break;
                case (byte)'s': // SETITEM
                    var value = Pop();
                    var key = Pop();
                    SetItems(Target<PickleDict>("SETITEM"), [key, value]);
                    break;
                case (byte)'u': // SETITEMS
                    var pairs = PopToMark();
                    SetItems(Target<PickleDict>("SETITEMS"), pairs);
                    break;
                case (byte)'c': // GLOBAL: "module\nname\n"
                    _stack.Add(Allowed(new PickleGlobal(ReadLine(), ReadLine())));
                    break;
                case 0x93: // STACK_GLOBAL
                    var name = Pop() as string;
                    var module = Pop() as string;
                    if (module is null || name is null) throw new InvalidDataException($"STACK_GLOBAL at byte {position} without a module and a name");
                    _stack.Add(Allowed(new PickleGlobal(module, name)));
                    break;
                case (byte)'R': // REDUCE: callable(*args)
                case 0x81: // NEWOBJ: cls.__new__(cls, *args)
                    var args = Pop() as object?[] ?? throw new InvalidDataException($"a call at byte {position} without an argument tuple");
                    var callable = Pop() as PickleGlobal ?? throw new InvalidDataException($"a call at byte {position} on something that is not a named global");
                    _stack.Add(call(callable, args));
                    break;
                case (byte)'b': // BUILD: object state (e.g. a state dict's _metadata attribute), not part of the mapping
                    Pop();
                    if (Peek() is not PickleDict) throw new InvalidDataException($"BUILD at byte {position} on an object that is not a dict");
                    break;
                case (byte)'Q': // BINPERSID
                    _stack.Add(persistentLoad(Pop()));
                    break;
                case (byte)'q': // BINPUT
                    _memo[ReadByte()] = Peek();
                    break;
                case (byte)'r': // LONG_BINPUT
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek();
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek();
                    break;
                case (byte)'h': // BINGET
                    _stack.Add(Memo(ReadByte()));
                    break;
                case (byte)'j': // LONG_BINGET
                    _stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))));
                    break;
                default:
                    throw new InvalidDataException($"unsupported pickle opcode 0x{opcode:x2} at byte {position}");
            }
        }
    }

    private PickleGlobal Allowed(PickleGlobal global) =>
        allowedGlobals is null || allowedGlobals.Contains(global.ToString()) ? global : throw new RefusedGlobalException(global);

    /// <summary>A long where it fits (every size and offset); a BigInteger otherwise (the 80-bit magic number).</summary>
    private static object Integer(byte[] littleEndian)
    {
        var value = new BigInteger(littleEndian, isUnsigned: false, isBigEndian: false);
        object result = value;
        if (value >= long.MinValue && value <= long.MaxValue)
        {
            result = (long)value;
        }

        return result;
    }

    private static void SetItems(PickleDict dict, List<object?> flat)
    {
        if (flat.Count % 2 != 0) throw new InvalidDataException("a dict with an odd number of keys and values");
        for (var i = 0; i < flat.Count; i += 2)
        {
            dict.Set(flat[i] ?? throw new InvalidDataException("a dict key that is None"), flat[i + 1]);
        }
    }

    private T Target<T>(string opcode)
        where T : class
        => Peek() as T ?? throw new InvalidDataException($"{opcode} on a {Peek()?.GetType().Name ?? "None"}");

    private object? Memo(long index)
        => _memo.TryGetValue(index, out var value) ? value : throw new InvalidDataException($"memo entry {index} is used before it is stored");

    private object? Peek()
        => _stack.Count > 0 && _stack[^1] is not Mark ? _stack[^1] : throw new InvalidDataException("the pickle stack is empty where a value is needed");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopTuple(int count)
    {
        var values = new object?[count];
        for (var i = count - 1; i >= 0; i--)
        {
            values[i] = Pop();
        }

        return values;
    }

    private List<object?> PopToMark()
    {
        var mark = _stack.LastIndexOf(MarkObject);
        if (mark < 0) throw new InvalidDataException("a pickle opcode needs a MARK that is not there");
        var values = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return values;
    }

    private byte ReadByte()
    {
        var b = stream.ReadByte();
        return b >= 0 ? (byte)b : throw new EndOfStreamException("the file ends inside a pickle");
    }

    private byte[] ReadBytes(long count)
    {
        if (count > stream.Length - stream.Position) throw new EndOfStreamException("the file ends inside a pickle");
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private int ReadLength4()
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));
        return length >= 0 ? length : throw new InvalidDataException("a negative length in a pickle");
    }

    private long ReadLength8()
    {
        var length = BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));
        return length >= 0 ? length : throw new InvalidDataException("a negative length in a pickle");
    }

    private string ReadLine()
    {
        var bytes = new List<byte>();
        for (var b = ReadByte(); b != (byte)'\n'; b = ReadByte())
        {
            if (bytes.Count > 1024) throw new InvalidDataException("a GLOBAL name longer than 1024 bytes");
            bytes.Add(b);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
