"""PyTorch model files for the tests: ``FUNCTION(input_dim, n_classes, seed)`` returning a
torch.nn.Module from the flat features to class probabilities."""

import torch


def tanh_net(input_dim, n_classes, seed):
    """tanh input_dim-10-7-5-4-3-n_classes, softmax output."""
    sizes = (input_dim, 10, 7, 5, 4, 3, n_classes)
    modules = []
    for fan_in, width in zip(sizes[:-1], sizes[1:], strict=True):
        modules += [torch.nn.Linear(fan_in, width), torch.nn.Tanh()]
    modules[-1] = torch.nn.Softmax(dim=1)
    return torch.nn.Sequential(*modules)


def dropout_net(input_dim, n_classes, seed):
    """A hidden layer with dropout (the default layers skip it)."""
    return torch.nn.Sequential(torch.nn.Linear(input_dim, 6), torch.nn.Tanh(),
                               torch.nn.Dropout(0.2), torch.nn.Linear(6, n_classes),
                               torch.nn.Softmax(dim=1))


def logits_net(input_dim, n_classes, seed):
    """No softmax: logits, refused."""
    return torch.nn.Sequential(torch.nn.Linear(input_dim, n_classes))


class _DivergesOnceTrained(torch.nn.Module):
    """Class probabilities until its weights change, NaN after (a diverged training)."""

    def __init__(self, input_dim, n_classes):
        super().__init__()
        self.linear = torch.nn.Linear(input_dim, n_classes)
        self.register_buffer("initial", self.linear.weight.detach().clone())
        self.output = torch.nn.Softmax(dim=1)

    def forward(self, x):
        z = self.linear(x)
        if not torch.equal(self.linear.weight, self.initial):
            z = z * float("nan")
        return self.output(z)


def diverging_net(input_dim, n_classes, seed):
    return _DivergesOnceTrained(input_dim, n_classes)
