"""PyTorch CPU reference for bench/speed.bench.ts: the same U-Net as @crack/unet's createUnet
(two 3x3 'same' conv + ReLU per level, 2x2 max pooling, 2x2 stride-2 transposed convolutions
halving the channels, skip concatenation [skip, up], 3x3 head to one logit; no batch norm), its
forward pass (inference mode) and its training step (sigmoid cross-entropy on the logits, Adam),
at 1x3xHxW in NCHW, PyTorch's native layout.

Prints one JSON line per phase: {"params": ..., "phase": ..., "wallMs": [...], "cpuMs": [...]}.
Without torch it prints {"skipped": true, "reason": ...} and exits 0.

    python3 pytorch_unet.py --depth 2 --base 8 --threads 1 --reps 4
"""
import argparse
import json
import resource
import time


def cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--base", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--height", type=int, default=320)
    parser.add_argument("--width", type=int, default=480)
    parser.add_argument("--phases", default="forward,train")
    args = parser.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError as error:
        print(json.dumps({"skipped": True, "reason": f"python3 cannot import torch ({error})"}))
        return

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    def level(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
        )

    class Unet(nn.Module):
        def __init__(self, depth, base):
            super().__init__()
            self.encoders = nn.ModuleList()
            cin = 3
            for i in range(depth):
                self.encoders.append(level(cin, base * 2**i))
                cin = base * 2**i
            self.bottleneck = level(cin, base * 2**depth)
            self.ups = nn.ModuleList()
            self.decoders = nn.ModuleList()
            for i in reversed(range(depth)):
                self.ups.append(nn.ConvTranspose2d(base * 2 ** (i + 1), base * 2**i, 2, stride=2))
                self.decoders.append(level(base * 2 ** (i + 1), base * 2**i))
            self.head = nn.Conv2d(base, 1, 3, padding=1)
            self.pool = nn.MaxPool2d(2)

        def forward(self, x):
            skips = []
            for encoder in self.encoders:
                x = encoder(x)
                skips.append(x)
                x = self.pool(x)
            x = self.bottleneck(x)
            for up, decoder in zip(self.ups, self.decoders):
                x = decoder(torch.cat([skips.pop(), up(x)], dim=1))
            return self.head(x)

    model = Unet(args.depth, args.base)
    params = sum(p.numel() for p in model.parameters())
    image = torch.rand(1, 3, args.height, args.width) * 2 - 1
    mask = (torch.rand(1, 1, args.height, args.width) > 0.98).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def forward():
        with torch.inference_mode():
            model(image)

    def train():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(image), mask)
        loss.backward()
        optimizer.step()
        loss.item()

    for phase in args.phases.split(","):
        step = forward if phase == "forward" else train
        step()  # warm-up
        wall, cpu = [], []
        for _ in range(args.reps):
            c, t = cpu_ms(), time.perf_counter()
            step()
            wall.append(round((time.perf_counter() - t) * 1000.0, 1))
            cpu.append(round(cpu_ms() - c, 1))
        print(json.dumps({
            "phase": phase, "params": params, "threads": torch.get_num_threads(),
            "torch": torch.__version__, "wallMs": wall, "cpuMs": cpu,
        }))


if __name__ == "__main__":
    main()
