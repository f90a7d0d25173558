using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Perceptual;

/// <summary>
/// A frozen, differentiable TorchSharp network that runs an ONNX graph of plain convolutional operators (Conv,
/// BatchNormalization in inference form, Relu, Add, MaxPool, AveragePool) node by node with the graph's own weights, so
/// gradients flow to the input. Weights are buffers (they move with <c>to(device)</c> and are never trained).
/// <para>
/// ONNX pads are [top, left, bottom, right] and may be asymmetric (the CNTK export pads stride-2 layers on the top/left
/// only); they are applied with an explicit pad before an unpadded convolution or pooling, zeros for Conv and −∞ for MaxPool
/// (ONNX MaxPool ignores padded cells).
/// </para>
/// </summary>
public sealed class OnnxConvNet : Module<Tensor, Tensor>
{
    private static readonly HashSet<string> Supported = ["Conv", "BatchNormalization", "Relu", "Add", "MaxPool", "AveragePool"];
    private readonly IReadOnlyList<OnnxNode> _nodes;
    private readonly Dictionary<string, string> _bufferOf = new(StringComparer.Ordinal); // ONNX weight → buffer name (to() replaces buffers)
    private readonly string _input;
    private readonly HashSet<string> _blockOutputs;

    /// <exception cref="InvalidDataException">The graph uses another operator or names a weight it does not hold.</exception>
    public OnnxConvNet(OnnxGraph graph) : base(nameof(OnnxConvNet))
    {
        ArgumentNullException.ThrowIfNull(graph);
        _nodes = graph.Nodes;
        if (_nodes.FirstOrDefault(n => !Supported.Contains(n.OpType)) is { } unsupported)
            throw new InvalidDataException($"the ONNX graph uses the operator {unsupported.OpType}, which this network does not implement");
        int index = 0;
        foreach (var node in _nodes)
        {
            if (node.OpType == "BatchNormalization") FoldBatchNorm(graph, node);
            else
            {
                foreach (var name in node.Inputs.Where(graph.Initializers.ContainsKey).Where(n => !_bufferOf.ContainsKey(n)))
                    Register(name, Weight(graph.Initializers[name]), ref index);
            }
        }
        var produced = _nodes.SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        _input = _nodes.SelectMany(n => n.Inputs).First(n => !produced.Contains(n) && !graph.Initializers.ContainsKey(n));
        // A residual block's output is the Relu applied to an Add (He et al. 2016, Fig. 2).
        var adds = _nodes.Where(n => n.OpType == "Add").SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        _blockOutputs = _nodes.Where(n => n.OpType == "Relu" && adds.Contains(n.Inputs[0])).Select(n => n.Outputs[0]).ToHashSet(StringComparer.Ordinal);

        void Register(string name, Tensor value, ref int i)
        {
            string buffer = $"w{i++}";
            register_buffer(buffer, value.DetachFromDisposeScope());
            _bufferOf[name] = buffer;
        }

        void FoldBatchNorm(OnnxGraph g, OnnxNode node)
        {
            // y = (x − mean)/√(var + ε)·scale + bias = x·a + b, per channel.
            var scale = Weight(g.Initializers[node.Inputs[1]]);
            var bias = Weight(g.Initializers[node.Inputs[2]]);
            var mean = Weight(g.Initializers[node.Inputs[3]]);
            var variance = Weight(g.Initializers[node.Inputs[4]]);
            double eps = node.Floats.TryGetValue("epsilon", out var e) ? e : 1e-5;
            using var epsilon = eps.ToScalar();
            var a = scale.div(variance.Plus(epsilon).sqrt());
            var b = bias.sub(mean.mul(a));
            Register(node.Outputs[0] + "/a", a.view(1, -1, 1, 1), ref index);
            Register(node.Outputs[0] + "/b", b.view(1, -1, 1, 1), ref index);
        }
    }

    /// <summary>Residual block outputs in graph order, for <see cref="Activations"/>.</summary>
    public int BlockCount => _blockOutputs.Count;

    /// <summary>The graph's output for <paramref name="x"/>, the tensor the graph's first node reads.</summary>
    public override Tensor forward(Tensor x) => Run(x, untilLastBlock: false).Output;

    /// <summary>Every residual block's output ([B, C_l, H_l, W_l], graph order), stopping after the last one.</summary>
    public IReadOnlyList<Tensor> Activations(Tensor x) => Run(x, untilLastBlock: true).Blocks;

    private (Tensor Output, List<Tensor> Blocks) Run(Tensor x, bool untilLastBlock)
    {
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_input] = x };
        var blocks = new List<Tensor>();
        Tensor last = x;
        foreach (var node in _nodes)
        {
            last = Apply(node, values);
            values[node.Outputs[0]] = last;
            if (_blockOutputs.Contains(node.Outputs[0]))
            {
                blocks.Add(last);
                if (untilLastBlock && blocks.Count == _blockOutputs.Count) break;
            }
        }
        return (last, blocks);
    }

    private Tensor Apply(OnnxNode node, Dictionary<string, Tensor> values)
    {
        Tensor In(int i) => _bufferOf.TryGetValue(node.Inputs[i], out var w) ? Weight(w) : values[node.Inputs[i]];
        switch (node.OpType)
        {
            case "Relu": return functional.relu(In(0));
            case "Add": return In(0).Plus(In(1));
            case "BatchNormalization": return (In(0) * Weight(_bufferOf[node.Outputs[0] + "/a"])).Plus(Weight(_bufferOf[node.Outputs[0] + "/b"]));
            case "Conv":
            {
                var strides = node.IntsOr("strides", 1, 1);
                var dilations = node.IntsOr("dilations", 1, 1);
                var padded = Pad(In(0), node.IntsOr("pads", 0, 0, 0, 0), 0.0);
                var bias = node.Inputs.Count > 2 ? In(2) : null;
                return BlockAlignedConvolution.Conv2d(padded, In(1), bias, strides, [0, 0], dilations, node.IntsOr("group", 1)[0]);
            }
            case "MaxPool":
            {
                var padded = Pad(In(0), node.IntsOr("pads", 0, 0, 0, 0), double.NegativeInfinity);
                return functional.max_pool2d(padded, node.Ints["kernel_shape"], node.IntsOr("strides", 1, 1));
            }
            default: // AveragePool; with count_include_pad 0 and no pads in the graphs read here
            {
                if (node.IntsOr("pads", 0, 0, 0, 0).Any(p => p != 0))
                    throw new InvalidDataException("the ONNX graph pads an AveragePool, which this network does not implement");
                return functional.avg_pool2d(In(0), node.Ints["kernel_shape"], node.IntsOr("strides", 1, 1));
            }
        }
    }

    /// <summary>ONNX pads [top, left, bottom, right] as torch's pad order [left, right, top, bottom].</summary>
    private static Tensor Pad(Tensor x, long[] pads, double value) =>
        pads.All(p => p == 0) ? x : functional.pad(x, [pads[1], pads[3], pads[0], pads[2]], PaddingModes.Constant, value);

    private Tensor Weight(string buffer) => get_buffer(buffer)!;

    private static Tensor Weight(OnnxInitializer init) => tensor(init.Values, init.Dims, ScalarType.Float32).DetachFromDisposeScope();
}
