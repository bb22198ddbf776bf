// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2_pci: probe/remove and the character-device lifecycle.  The
 * rules are in pci_cdev.h.  A device is handed over the standard way:
 *
 *   echo iommufd2_pci > /sys/bus/pci/devices/$BDF/driver_override
 *   echo $BDF > /sys/bus/pci/drivers_probe
 *
 * and its node is named in /sys/bus/pci/devices/$BDF/iommufd2-dev/.
 *
 * With alias_vfio=1 the driver and its nodes take VFIO's names instead:
 * driver "vfio-pci", class "vfio-dev", /sys/bus/pci/devices/$BDF/vfio-dev/vfioN
 * and /dev/vfio/devices/vfioN, where unmodified VFIO tooling looks (and
 * binds and expects devices: driver_override=vfio-pci).  That is
 * for kernels whose VFIO has no device cdev (Debian's): where upstream's
 * vfio is loaded with cdev support the class exists and the module
 * refuses to load with the alias (EEXIST).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "iommufd2/kapi.h"
#include "pci_cdev.h"

#define IFD2_PCI_MINORS	256

static bool alias_vfio;
module_param(alias_vfio, bool, 0444);
MODULE_PARM_DESC(alias_vfio,
		 "Take VFIO's names: driver vfio-pci, nodes vfio-dev/vfioN and /dev/vfio/devices/vfioN, for kernels without VFIO cdev");

static dev_t ifd2_pci_devt;
static DEFINE_IDA(ifd2_pci_minors);

static char *ifd2_pci_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "iommufd2-dev/%s", dev_name(dev));
}

static char *ifd2_vfio_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/devices/%s", dev_name(dev));
}

static const struct class ifd2_pci_class = {
	.name = "iommufd2-dev",
	.devnode = ifd2_pci_devnode,
};

static const struct class ifd2_vfio_class = {
	.name = "vfio-dev",
	.devnode = ifd2_vfio_devnode,
};

/* The class in use, chosen by alias_vfio at load. */
static const struct class *ifd2_class;

/* The last reference to the class device frees everything. */
static void ifd2_pci_release(struct device *dev)
{
	struct ifd2_pci *state = container_of(dev, struct ifd2_pci, dev);

	ida_free(&ifd2_pci_minors, MINOR(dev->devt));
	ifd2_cfg_free(state);
	mutex_destroy(&state->vf_token.lock);
	mutex_destroy(&state->lock);
	kfree(state);
}

static int ifd2_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ifd2_pci *state;
	int minor, rc;

	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	rc = pcim_request_all_regions(pdev, KBUILD_MODNAME);
	if (rc)
		return rc;

	minor = ida_alloc_max(&ifd2_pci_minors, IFD2_PCI_MINORS - 1,
			      GFP_KERNEL);
	if (minor < 0)
		return minor;
	state = kzalloc_obj(*state, GFP_KERNEL);
	if (!state) {
		ida_free(&ifd2_pci_minors, minor);
		return -ENOMEM;
	}
	refcount_set(&state->live, 1);
	mutex_init(&state->lock);
	init_rwsem(&state->memory_lock);
	INIT_LIST_HEAD(&state->files);
	state->pdev = pdev;
	ifd2_irq_init(state);
	ifd2_sriov_probe(state);

	device_initialize(&state->dev);
	state->dev.class = ifd2_class;
	state->dev.parent = &pdev->dev;
	state->dev.devt = MKDEV(MAJOR(ifd2_pci_devt), minor);
	state->dev.release = ifd2_pci_release;
	rc = dev_set_name(&state->dev, alias_vfio ? "vfio%d" : "dev%d", minor);
	if (rc)
		goto out_put;
	rc = ifd2_cfg_setup(state);
	if (rc)
		goto out_put;
	cdev_init(&state->cdev, &ifd2_pci_fops);
	state->cdev.owner = THIS_MODULE;
	rc = cdev_device_add(&state->cdev, &state->dev);
	if (rc)
		goto out_put;

	/* No bus mastering until a file is bound (pci_cdev.h). */
	pci_clear_master(pdev);
	pci_set_drvdata(pdev, state);
	return 0;

out_put:
	put_device(&state->dev);	/* frees the minor and the state */
	return rc;
}

/*
 * The PCI device is going (driver unbind or hot removal): no new opens,
 * the bound file loses its BAR mappings and then its iommufd2 binding (the
 * device is quiesced before ownership goes back to the kernel), and later
 * ioctls see ENODEV.  The state's memory stays until the last file closes.
 * The driver core holds the device lock here.
 */
static void ifd2_pci_remove(struct pci_dev *pdev)
{
	struct ifd2_pci *state = pci_get_drvdata(pdev);
	struct ifd2_pci_file *df;
	unsigned int i;

	ifd2_sriov_remove(state);
	cdev_device_del(&state->cdev, &state->dev);

	mutex_lock(&state->lock);
	/* The user learns it is losing the device (REQ), then loses it. */
	ifd2_irq_request(state);
	list_for_each_entry(df, &state->files, link)
		ifd2_pci_file_unbind(df, true);
	/* Only a bound file could map BARs, and unbind zapped its mappings. */
	down_write(&state->memory_lock);
	state->pdev = NULL;
	up_write(&state->memory_lock);
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (state->bar_io[i])
			pci_iounmap(pdev, state->bar_io[i]);
	mutex_unlock(&state->lock);

	pci_clear_master(pdev);
	ifd2_pci_put_live(state);
	put_device(&state->dev);
}

/* An AER error: the bound user hears of it through its ERR eventfd. */
static pci_ers_result_t ifd2_pci_error_detected(struct pci_dev *pdev,
						pci_channel_state_t error)
{
	struct ifd2_pci *state = pci_get_drvdata(pdev);

	mutex_lock(&state->lock);
	if (state->owner)
		ifd2_irq_error(state);
	mutex_unlock(&state->lock);
	return PCI_ERS_RESULT_CAN_RECOVER;
}

static const struct pci_error_handlers ifd2_pci_err_handlers = {
	.error_detected = ifd2_pci_error_detected,
};

static struct pci_driver ifd2_pci_driver;

/**
 * ifd2_pci_state_of() - our state of a PCI device bound to iommufd2_pci
 * @pdev: any PCI device; the caller holds its device lock
 *
 * Return: the state, or NULL if another driver (or none) has @pdev.
 */
struct ifd2_pci *ifd2_pci_state_of(struct pci_dev *pdev)
{
	device_lock_assert(&pdev->dev);
	if (pdev->dev.driver != &ifd2_pci_driver.driver)
		return NULL;
	return pci_get_drvdata(pdev);
}

static struct pci_driver ifd2_pci_driver = {
	.name = KBUILD_MODNAME,
	.probe = ifd2_pci_probe,
	.remove = ifd2_pci_remove,
	.sriov_configure = ifd2_sriov_configure,
	.err_handler = &ifd2_pci_err_handlers,
	/* DMA ownership moves to the iommufd2 context on bind. */
	.driver_managed_dma = true,
};

/**
 * ifd2_pci_driver_name() - the name the PCI driver is registered under
 *
 * Return: "iommufd2_pci", or "vfio-pci" with alias_vfio.
 */
const char *ifd2_pci_driver_name(void)
{
	return ifd2_pci_driver.name;
}

static int __init ifd2_pci_init(void)
{
	int rc;

	rc = alloc_chrdev_region(&ifd2_pci_devt, 0, IFD2_PCI_MINORS,
				 "iommufd2-dev");
	if (rc)
		return rc;
	ifd2_class = alias_vfio ? &ifd2_vfio_class : &ifd2_pci_class;
	if (alias_vfio)
		ifd2_pci_driver.name = "vfio-pci";
	rc = class_register(ifd2_class);
	if (rc)
		goto out_chrdev;
	rc = ifd2_sriov_init();
	if (rc)
		goto out_class;
	rc = pci_register_driver(&ifd2_pci_driver);
	if (rc)
		goto out_sriov;
	return 0;

out_sriov:
	ifd2_sriov_exit();
out_class:
	class_unregister(ifd2_class);
out_chrdev:
	unregister_chrdev_region(ifd2_pci_devt, IFD2_PCI_MINORS);
	return rc;
}

static void __exit ifd2_pci_exit(void)
{
	pci_unregister_driver(&ifd2_pci_driver);
	ifd2_sriov_exit();
	class_unregister(ifd2_class);
	unregister_chrdev_region(ifd2_pci_devt, IFD2_PCI_MINORS);
}

module_init(ifd2_pci_init);
module_exit(ifd2_pci_exit);

MODULE_DESCRIPTION("PCI device driver handing devices to iommufd2 through VFIO-style cdev ioctls");
MODULE_LICENSE("GPL");
IFD_MODULE_IMPORT_NS("IOMMUFD2");
