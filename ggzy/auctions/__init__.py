"""Auctions (拍卖, 挂牌, 网络竞价): for now the pure engine only (`engine.py`, issue 7)."""
