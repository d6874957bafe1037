"""The yardstick for the serving benchmark: a bare FastAPI POST endpoint taking the same body
as /predict_next_price and doing no work, on the same stack (uvicorn, same worker count)."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class Body(BaseModel):
    prices: list[float]


class Answer(BaseModel):
    result: float


app = FastAPI()


@app.post("/predict_next_price")
async def predict_next_price(body: Body) -> Answer:
    return Answer(result=body.prices[-1])
