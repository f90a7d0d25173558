namespace SharpDiffusion.Runtime;

/// <summary>Where tensors live. <see cref="Auto"/> takes CUDA when a CUDA libtorch loads, else the CPU.</summary>
public enum DeviceKind { Auto, Cpu, Cuda }
