/// The IVA family's learnt state, for `OnlineSeparator`'s save and load.
extension OnlineIVA {
    /// Component by component; scratch buffers that every update overwrites before reading are
    /// left out. Live parameters are not state: the loader adopts the saved configuration.
    func transferState(_ transfer: inout StateTransfer<T>) {
        history.transferState(&transfer)
        covariances.transferState(&transfer)
        mixture?.transferState(&transfer)
        demixing.transferState(&transfer)
        update.transferState(&transfer)
        models.transferState(&transfer)
        transfer.buffer(weights)
        transfer.integer(&framesSinceUpdate, in: 0...Int.max)
    }
}
